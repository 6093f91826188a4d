; Codecot tags for Swift.
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.
; One node type holds classes, structs, enums, actors and extensions; its keyword says which.
; An extension is an impl named after the type it extends, so its methods get a parent.

(class_declaration
  declaration_kind: "struct"
  name: (type_identifier) @name.definition.struct) @definition.struct

(class_declaration
  declaration_kind: "enum"
  name: (type_identifier) @name.definition.enum) @definition.enum

(class_declaration
  declaration_kind: "extension"
  name: (user_type (type_identifier) @name.definition.impl)) @definition.impl

(class_declaration
  declaration_kind: ["class" "actor"]
  name: (type_identifier) @name.definition.class) @definition.class

(protocol_declaration
  name: (type_identifier) @name.definition.interface) @definition.interface

(protocol_function_declaration
  name: (simple_identifier) @name.definition.method) @definition.method

(function_declaration
  name: (simple_identifier) @name.definition.function) @definition.function

(init_declaration
  "init" @name.definition.method) @definition.method

(typealias_declaration
  name: (type_identifier) @name.definition.type) @definition.type

(call_expression
  [
    (simple_identifier) @name.reference.call
    (navigation_expression
      suffix: (navigation_suffix suffix: (simple_identifier) @name.reference.call))
  ])

(user_type (type_identifier) @name.reference.type)

(import_declaration
  (identifier) @name.reference.import)
