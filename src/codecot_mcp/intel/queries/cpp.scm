; Codecot tags for C++.
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.
; Out-of-class method bodies (Circle::area) and in-class declarations are both methods.

(function_definition
  declarator: (function_declarator
    declarator: (identifier) @name.definition.function)) @definition.function

(function_definition
  declarator: (pointer_declarator
    declarator: (function_declarator
      declarator: (identifier) @name.definition.function))) @definition.function

(function_definition
  declarator: (reference_declarator
    (function_declarator
      declarator: (identifier) @name.definition.function))) @definition.function

(function_definition
  declarator: (function_declarator
    declarator: (field_identifier) @name.definition.method)) @definition.method

(function_definition
  declarator: (function_declarator
    declarator: (qualified_identifier
      name: (identifier) @name.definition.method))) @definition.method

(field_declaration
  declarator: (function_declarator
    declarator: (field_identifier) @name.definition.method)) @definition.method

(declaration
  declarator: (function_declarator
    declarator: (identifier) @name.definition.function)) @definition.function

(class_specifier
  name: (type_identifier) @name.definition.class
  body: (_)) @definition.class

(struct_specifier
  name: (type_identifier) @name.definition.struct
  body: (_)) @definition.struct

(union_specifier
  name: (type_identifier) @name.definition.struct
  body: (_)) @definition.struct

(enum_specifier
  name: (type_identifier) @name.definition.enum
  body: (_)) @definition.enum

(namespace_definition
  name: (namespace_identifier) @name.definition.module) @definition.module

(type_definition
  declarator: (type_identifier) @name.definition.type) @definition.type

(alias_declaration
  name: (type_identifier) @name.definition.type) @definition.type

(call_expression
  function: [
    (identifier) @name.reference.call
    (field_expression field: (field_identifier) @name.reference.call)
    (qualified_identifier name: (identifier) @name.reference.call)
  ])

(type_identifier) @name.reference.type

(preproc_include
  path: (string_literal (string_content) @name.reference.import))
