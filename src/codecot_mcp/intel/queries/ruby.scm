; Codecot tags for Ruby.
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.

(class
  name: [
    (constant) @name.definition.class
    (scope_resolution name: (constant) @name.definition.class)
  ]) @definition.class

(module
  name: [
    (constant) @name.definition.module
    (scope_resolution name: (constant) @name.definition.module)
  ]) @definition.module

(method
  name: (_) @name.definition.method) @definition.method

(singleton_method
  name: (_) @name.definition.method) @definition.method

(call
  method: (identifier) @name.reference.call)

(superclass (constant) @name.reference.type)

(call
  receiver: (constant) @name.reference.type)

(call
  method: (identifier) @_require
  arguments: (argument_list (string (string_content) @name.reference.import))
  (#any-of? @_require "require" "require_relative"))
