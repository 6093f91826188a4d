; Codecot tags for Go.
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.
; A type's span is its type_declaration so that the `type` keyword is in the signature.

(function_declaration
  name: (identifier) @name.definition.function) @definition.function

(method_declaration
  name: (field_identifier) @name.definition.method) @definition.method

(type_declaration
  (type_spec
    name: (type_identifier) @name.definition.struct
    type: (struct_type))) @definition.struct

(type_declaration
  (type_spec
    name: (type_identifier) @name.definition.interface
    type: (interface_type))) @definition.interface

(type_declaration
  (type_spec
    name: (type_identifier) @name.definition.type)) @definition.type

(method_elem
  name: (field_identifier) @name.definition.method) @definition.method

(call_expression
  function: [
    (identifier) @name.reference.call
    (selector_expression field: (field_identifier) @name.reference.call)
  ])

(type_identifier) @name.reference.type

(import_spec
  path: (interpreted_string_literal) @name.reference.import)
