; Codecot tags for PHP.
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.
; A `use` declaration is captured whole (imports.py expands groups and drops aliases);
; require/include capture the path, or `__DIR__ . '/x.php'` whole.

(namespace_definition
  name: (namespace_name) @name.definition.module) @definition.module

(class_declaration
  name: (name) @name.definition.class) @definition.class

(interface_declaration
  name: (name) @name.definition.interface) @definition.interface

(trait_declaration
  name: (name) @name.definition.trait) @definition.trait

(enum_declaration
  name: (name) @name.definition.enum) @definition.enum

(method_declaration
  name: (name) @name.definition.method) @definition.method

(function_definition
  name: (name) @name.definition.function) @definition.function

(function_call_expression
  function: [
    (name) @name.reference.call
    (qualified_name (name) @name.reference.call .)
  ])

(member_call_expression
  name: (name) @name.reference.call)

(nullsafe_member_call_expression
  name: (name) @name.reference.call)

(scoped_call_expression
  name: (name) @name.reference.call)

(scoped_call_expression
  scope: [
    (name) @name.reference.type
    (qualified_name (name) @name.reference.type .)
  ])

(object_creation_expression
  [
    (name) @name.reference.type
    (qualified_name (name) @name.reference.type .)
  ])

(named_type
  [
    (name) @name.reference.type
    (qualified_name (name) @name.reference.type .)
  ]
  (#not-match? @name.reference.type "^(self|static|parent)$"))

(base_clause
  [
    (name) @name.reference.type
    (qualified_name (name) @name.reference.type .)
  ])

(class_interface_clause
  [
    (name) @name.reference.type
    (qualified_name (name) @name.reference.type .)
  ])

(use_declaration
  [
    (name) @name.reference.type
    (qualified_name (name) @name.reference.type .)
  ])

(namespace_use_declaration) @name.reference.import

(require_expression
  [
    (string (string_content) @name.reference.import)
    (encapsed_string (string_content) @name.reference.import)
    (binary_expression
      left: [(name) (function_call_expression)]
      right: [(string) (encapsed_string)]) @name.reference.import
  ])

(require_once_expression
  [
    (string (string_content) @name.reference.import)
    (encapsed_string (string_content) @name.reference.import)
    (binary_expression
      left: [(name) (function_call_expression)]
      right: [(string) (encapsed_string)]) @name.reference.import
  ])

(include_expression
  [
    (string (string_content) @name.reference.import)
    (encapsed_string (string_content) @name.reference.import)
    (binary_expression
      left: [(name) (function_call_expression)]
      right: [(string) (encapsed_string)]) @name.reference.import
  ])

(include_once_expression
  [
    (string (string_content) @name.reference.import)
    (encapsed_string (string_content) @name.reference.import)
    (binary_expression
      left: [(name) (function_call_expression)]
      right: [(string) (encapsed_string)]) @name.reference.import
  ])
