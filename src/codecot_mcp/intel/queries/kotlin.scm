; Codecot tags for Kotlin.
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.
; Interfaces and enum classes come before plain classes: the first pattern wins.
; An `object` is a class with one instance; functions in classes and objects become methods.

(class_declaration
  "interface"
  name: (identifier) @name.definition.interface) @definition.interface

(class_declaration
  (modifiers (class_modifier "enum"))
  name: (identifier) @name.definition.enum) @definition.enum

(class_declaration
  name: (identifier) @name.definition.class) @definition.class

(object_declaration
  name: (identifier) @name.definition.class) @definition.class

(function_declaration
  name: (identifier) @name.definition.function) @definition.function

(secondary_constructor
  "constructor" @name.definition.method) @definition.method

(type_alias
  type: (identifier) @name.definition.type) @definition.type

(call_expression
  [
    (identifier) @name.reference.call
    (navigation_expression (identifier) @name.reference.call .)
  ])

(user_type (identifier) @name.reference.type)

(import) @name.reference.import
