; Codecot tags for Rust.
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.
; An impl block is a definition named after its type, so its methods get a parent.

(struct_item
  name: (type_identifier) @name.definition.struct) @definition.struct

(union_item
  name: (type_identifier) @name.definition.struct) @definition.struct

(enum_item
  name: (type_identifier) @name.definition.enum) @definition.enum

(type_item
  name: (type_identifier) @name.definition.type) @definition.type

(trait_item
  name: (type_identifier) @name.definition.trait) @definition.trait

(mod_item
  name: (identifier) @name.definition.module
  body: (declaration_list)) @definition.module

(impl_item
  type: [
    (type_identifier) @name.definition.impl
    (generic_type type: (type_identifier) @name.definition.impl)
  ]) @definition.impl

(function_item
  name: (identifier) @name.definition.function) @definition.function

(function_signature_item
  name: (identifier) @name.definition.method) @definition.method

(macro_definition
  name: (identifier) @name.definition.macro) @definition.macro

(call_expression
  function: [
    (identifier) @name.reference.call
    (field_expression field: (field_identifier) @name.reference.call)
    (scoped_identifier name: (identifier) @name.reference.call)
  ])

(macro_invocation
  macro: (identifier) @name.reference.call)

(type_identifier) @name.reference.type

(use_declaration
  argument: (_) @name.reference.import)

(mod_item
  name: (identifier) @name.reference.import
  !body)
