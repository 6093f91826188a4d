; Codecot tags for Python.
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.
; References: @name.reference.<kind>; an import captures the whole statement (parsed in imports.py).

(class_definition
  name: (identifier) @name.definition.class) @definition.class

(function_definition
  name: (identifier) @name.definition.function) @definition.function

(call
  function: [
    (identifier) @name.reference.call
    (attribute attribute: (identifier) @name.reference.call)
  ])

(class_definition
  superclasses: (argument_list
    [
      (identifier) @name.reference.type
      (attribute attribute: (identifier) @name.reference.type)
    ]))

(type (identifier) @name.reference.type)

(import_statement) @name.reference.import

(import_from_statement) @name.reference.import
