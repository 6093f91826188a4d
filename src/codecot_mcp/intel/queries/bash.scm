; Codecot tags for Bash and POSIX sh.
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.
; Every command is a call of its name; `source x` and `. x` capture their first argument.

(function_definition
  name: (word) @name.definition.function) @definition.function

(command
  name: (command_name (word) @name.reference.call)
  (#not-eq? @name.reference.call "."))

(command
  name: (command_name (word) @_source)
  .
  argument: [(word) (string) (raw_string) (concatenation)] @name.reference.import
  (#any-of? @_source "source" "."))
