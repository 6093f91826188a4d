; Codecot tags for TypeScript and TSX (one file: both grammars share these node types).
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.
; References: @name.reference.<kind>; imports capture the module string.

(class_declaration
  name: (type_identifier) @name.definition.class) @definition.class

(abstract_class_declaration
  name: (type_identifier) @name.definition.class) @definition.class

(interface_declaration
  name: (type_identifier) @name.definition.interface) @definition.interface

(type_alias_declaration
  name: (type_identifier) @name.definition.type) @definition.type

(enum_declaration
  name: (identifier) @name.definition.enum) @definition.enum

(internal_module
  name: (identifier) @name.definition.module) @definition.module

(function_declaration
  name: (identifier) @name.definition.function) @definition.function

(generator_function_declaration
  name: (identifier) @name.definition.function) @definition.function

(function_signature
  name: (identifier) @name.definition.function) @definition.function

(method_definition
  name: [(property_identifier) (private_property_identifier)] @name.definition.method) @definition.method

(method_signature
  name: (property_identifier) @name.definition.method) @definition.method

(abstract_method_signature
  name: (property_identifier) @name.definition.method) @definition.method

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

(type_annotation (type_identifier) @name.reference.type)

(generic_type name: (type_identifier) @name.reference.type)

(implements_clause (type_identifier) @name.reference.type)

(extends_clause value: (identifier) @name.reference.type)

(import_statement
  source: (string (string_fragment) @name.reference.import))

(export_statement
  source: (string (string_fragment) @name.reference.import))

(call_expression
  function: (identifier) @_require
  arguments: (arguments (string (string_fragment) @name.reference.import))
  (#eq? @_require "require"))
