; Codecot tags for Lua.
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.
; `function T:m()` is a method (it takes self); `function M.f()` stays a function of its table.
; A function bound to a name (`local f = function() end`) is named after the variable.

(function_declaration
  name: (identifier) @name.definition.function) @definition.function

(function_declaration
  name: (dot_index_expression field: (identifier) @name.definition.function)) @definition.function

(function_declaration
  name: (method_index_expression method: (identifier) @name.definition.method)) @definition.method

(variable_declaration
  (assignment_statement
    (variable_list . name: (identifier) @name.definition.function)
    (expression_list . value: (function_definition)))) @definition.function

(assignment_statement
  (variable_list
    .
    name: [
      (identifier) @name.definition.function
      (dot_index_expression field: (identifier) @name.definition.function)
    ])
  (expression_list . value: (function_definition))) @definition.function

(function_call
  name: [
    (identifier) @name.reference.call
    (dot_index_expression field: (identifier) @name.reference.call)
    (method_index_expression method: (identifier) @name.reference.call)
  ])

(function_call
  name: (identifier) @_require
  arguments: (arguments . (string content: (string_content) @name.reference.import))
  (#eq? @_require "require"))
