; Codecot tags for JavaScript (also JSX).
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.
; References: @name.reference.<kind>; imports capture the module string.

(class_declaration
  name: (identifier) @name.definition.class) @definition.class

(function_declaration
  name: (identifier) @name.definition.function) @definition.function

(generator_function_declaration
  name: (identifier) @name.definition.function) @definition.function

(method_definition
  name: [(property_identifier) (private_property_identifier)] @name.definition.method) @definition.method

(lexical_declaration
  (variable_declarator
    name: (identifier) @name.definition.function
    value: [(arrow_function) (function_expression) (generator_function)])) @definition.function

(variable_declaration
  (variable_declarator
    name: (identifier) @name.definition.function
    value: [(arrow_function) (function_expression) (generator_function)])) @definition.function

(call_expression
  function: [
    (identifier) @name.reference.call
    (member_expression property: (property_identifier) @name.reference.call)
  ])

(new_expression
  constructor: (identifier) @name.reference.type)

(class_heritage (identifier) @name.reference.type)

(import_statement
  source: (string (string_fragment) @name.reference.import))

(export_statement
  source: (string (string_fragment) @name.reference.import))

(call_expression
  function: (identifier) @_require
  arguments: (arguments (string (string_fragment) @name.reference.import))
  (#eq? @_require "require"))
