; Codecot tags for C#.
; Definitions: @definition.<kind> on the whole node, @name.definition.<kind> on its name.

(class_declaration
  name: (identifier) @name.definition.class) @definition.class

(record_declaration
  name: (identifier) @name.definition.class) @definition.class

(struct_declaration
  name: (identifier) @name.definition.struct) @definition.struct

(interface_declaration
  name: (identifier) @name.definition.interface) @definition.interface

(enum_declaration
  name: (identifier) @name.definition.enum) @definition.enum

(namespace_declaration
  name: (_) @name.definition.module) @definition.module

(file_scoped_namespace_declaration
  name: (_) @name.definition.module) @definition.module

(method_declaration
  name: (identifier) @name.definition.method) @definition.method

(constructor_declaration
  name: (identifier) @name.definition.method) @definition.method

(invocation_expression
  function: [
    (identifier) @name.reference.call
    (member_access_expression name: (identifier) @name.reference.call)
  ])

(object_creation_expression
  type: (identifier) @name.reference.type)

(base_list (identifier) @name.reference.type)

(using_directive
  [(identifier) (qualified_name)] @name.reference.import)
