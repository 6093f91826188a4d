; Codecot tags for Elixir.
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.
; Everything is a call: `defmodule Name do`, `def name(args) do`, `def name(args) when guard`.
; Functions are functions of their module (a module is a namespace, not a class).
; alias/import/require/use capture their first argument (imports.py expands `A.{B, C}`).

(call
  target: (identifier) @_keyword
  (arguments . (alias) @name.definition.module)
  (#eq? @_keyword "defmodule")) @definition.module

(call
  target: (identifier) @_keyword
  (arguments . (alias) @name.definition.interface)
  (#eq? @_keyword "defprotocol")) @definition.interface

(call
  target: (identifier) @_keyword
  (arguments . (alias) @name.definition.impl)
  (#eq? @_keyword "defimpl")) @definition.impl

(call
  target: (identifier) @_keyword
  (arguments
    .
    [
      (identifier) @name.definition.function
      (call target: (identifier) @name.definition.function)
      (binary_operator
        left: [
          (identifier) @name.definition.function
          (call target: (identifier) @name.definition.function)
        ]
        operator: "when")
    ])
  (#any-of? @_keyword "def" "defp" "defguard" "defguardp" "defdelegate")) @definition.function

(call
  target: (identifier) @_keyword
  (arguments
    .
    [
      (identifier) @name.definition.macro
      (call target: (identifier) @name.definition.macro)
      (binary_operator
        left: [
          (identifier) @name.definition.macro
          (call target: (identifier) @name.definition.macro)
        ]
        operator: "when")
    ])
  (#any-of? @_keyword "defmacro" "defmacrop")) @definition.macro

; Calls, less the definition and directive macros, special forms and module attributes
; (`@doc "..."` parses as a call to `doc`).
(call
  target: (identifier) @name.reference.call
  (#not-match? @name.reference.call
    "^(def|defp|defmacro|defmacrop|defguard|defguardp|defdelegate|defmodule|defprotocol|defimpl|defstruct|defexception|defoverridable|alias|import|require|use|quote|unquote|if|unless|case|cond|with|for|try|receive|fn|moduledoc|doc|typedoc|spec|callback|macrocallback|behaviour|impl|derive|type|typep|opaque)$"))

(call
  target: (dot right: (identifier) @name.reference.call))

(call
  target: (dot left: (alias) @name.reference.type))

(call
  target: (identifier) @_keyword
  (arguments . [(alias) (dot left: (alias) right: (tuple))] @name.reference.import)
  (#any-of? @_keyword "alias" "import" "require" "use"))
