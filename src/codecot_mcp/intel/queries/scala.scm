; Codecot tags for Scala (2 and 3).
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.
; An `object` is a class with one instance; `def`s in classes, objects and traits become methods.
; An import is captured whole (imports.py expands `{A, B => C}` selectors).

(class_definition
  name: (identifier) @name.definition.class) @definition.class

(object_definition
  name: (identifier) @name.definition.class) @definition.class

(trait_definition
  name: (identifier) @name.definition.trait) @definition.trait

(enum_definition
  name: (identifier) @name.definition.enum) @definition.enum

(function_definition
  name: (identifier) @name.definition.function) @definition.function

(function_declaration
  name: (identifier) @name.definition.function) @definition.function

(type_definition
  name: (type_identifier) @name.definition.type) @definition.type

(call_expression
  function: [
    (identifier) @name.reference.call
    (field_expression field: (identifier) @name.reference.call)
    (generic_function
      function: [
        (identifier) @name.reference.call
        (field_expression field: (identifier) @name.reference.call)
      ])
  ])

(type_identifier) @name.reference.type

(import_declaration) @name.reference.import
