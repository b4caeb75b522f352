// The GraphQL schema, read once by introspection, and the queries and inputs a view needs,
// built from the view definition and the schema alone (no screen knows a model).

const TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }";
const INTROSPECTION = `{ __schema { queryType { name } mutationType { name } types {
  name kind
  fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } }
  inputFields { name defaultValue type { ${TYPE_REF} } }
  enumValues { name } } } }`;

/** The innermost type name of a type reference. */
export function named(ref) {
  while (ref && ref.ofType) ref = ref.ofType;
  return ref ? ref.name : null;
}

/** Whether a type reference is a list (under its non-null). */
export function isList(ref) {
  if (ref && ref.kind === "NON_NULL") ref = ref.ofType;
  return Boolean(ref && ref.kind === "LIST");
}

export class Schema {
  static async load(api) {
    const data = await api.request(INTROSPECTION);
    return new Schema(data.__schema);
  }

  constructor(schema) {
    this.types = new Map(schema.types.map((t) => [t.name, t]));
    this.query = schema.queryType.name;
    this.mutation = schema.mutationType && schema.mutationType.name;
  }

  field(typeName, name) {
    const type = this.types.get(typeName);
    if (!type) return null;
    return (type.fields || type.inputFields || []).find((f) => f.name === name) || null;
  }

  kind(typeName) {
    const type = this.types.get(typeName);
    return type ? type.kind : null;
  }

  /** The root query (or `configuration` field) `name`. */
  queryField(name) {
    return this.field(this.query, name);
  }

  mutationField(name) {
    return this.mutation ? this.field(this.mutation, name) : null;
  }
}

/** The views by name, with the schema: what builds a view's queries. */
export class Catalogue {
  constructor(schema, views) {
    this.schema = schema;
    this.views = new Map(views.map((v) => [v.name, v]));
  }

  view(name) {
    return this.views.get(name) || null;
  }

  /** Every field of a view's form, group after group. */
  fields(view) {
    return view.form.flatMap((group) => group.fields);
  }

  /**
   * What a reference to a record of `view` shows: its key (`id`, or the code of a
   * configuration record) and its first column.
   */
  display(view) {
    const type = view.typeName;
    const key = view.source.key || "id";
    const shown = view.list.columns.map((c) => c.field).find((f) => {
      const field = this.schema.field(type, f);
      return field && this.schema.kind(named(field.type)) !== "OBJECT";
    });
    return { key, shown: shown || key };
  }

  /** The selection set of a record of `view`: its form, its key, version and state. */
  selection(view, depth = 0) {
    const tree = new Map();
    const type = view.typeName;
    const add = (path, sub) => {
      let node = tree;
      const steps = path.split(".");
      steps.forEach((step, i) => {
        if (i === steps.length - 1) {
          node.set(step, sub);
        } else {
          if (!(node.get(step) instanceof Map)) node.set(step, new Map());
          node = node.get(step);
        }
      });
    };
    // what tells records apart (the field lines are ordered by: `line`) and their state.
    const orderedBy = (view.list.defaultOrder || "").split(" ")[0];
    for (const name of ["id", "version", view.source.key, view.stateField, orderedBy]) {
      if (name && this.schema.field(type, name)) add(name, true);
    }
    for (const field of this.fields(view)) {
      add(field.name, this.fieldSelection(type, field, depth));
    }
    // a configuration record is set whole: its plain fields the update takes are read too.
    const update = view.source.kind !== "RECORDS" && view.update && this.schema.mutationField(view.update);
    const input = update && update.args.find((a) => a.name === "input");
    for (const f of input ? this.schema.types.get(named(input.type)).inputFields || [] : []) {
      const own = this.schema.field(type, f.name);
      if (own && !tree.has(f.name) && this.schema.kind(named(own.type)) !== "OBJECT") add(f.name, true);
    }
    return render(tree);
  }

  /** The selection of one field of the form: its value, or what shows the records it names. */
  fieldSelection(type, field, depth) {
    let at = type;
    let def = null;
    for (const step of field.name.split(".")) {
      def = this.schema.field(at, step);
      if (!def) return true;
      at = named(def.type);
    }
    if (this.schema.kind(at) !== "OBJECT") return true;
    const related = field.relation && this.view(field.relation);
    if (!related) return "__typename";
    if (field.type === "ONE_TO_MANY" && depth < 1) {
      return this.selection(related, depth + 1);
    }
    const { key, shown } = this.display(related);
    const keys = new Set([key, shown, "id"].filter((k) => this.schema.field(at, k)));
    return `{ ${[...keys].join(" ")} }`;
  }

  /** Whether the list query of `view` takes argument `name`. */
  listTakes(view, name) {
    const field = this.listField(view);
    return Boolean(field && field.args.some((a) => a.name === name));
  }

  listField(view) {
    if (view.source.kind === "RECORDS") return this.schema.queryField(view.source.list);
    if (view.source.kind === "CONFIGURATION") {
      return this.schema.field("Configuration", view.source.list);
    }
    return null;
  }

  /** The type of the list query's `where` argument. */
  whereType(view) {
    const field = this.listField(view);
    const arg = field && field.args.find((a) => a.name === "where");
    return arg ? named(arg.type) : null;
  }

  /** The query of one page of `view`'s list. */
  listQuery(view) {
    const where = this.whereType(view);
    const orderBy = this.listField(view).args.find((a) => a.name === "orderBy");
    const args = ["first: $first", "after: $after"];
    const vars = ["$first: Int", "$after: String"];
    if (where) {
      args.push("where: $where");
      vars.push(`$where: ${where}`);
    }
    if (orderBy) {
      args.push("orderBy: $orderBy");
      vars.push(`$orderBy: ${named(orderBy.type)}`);
    }
    const page = `${view.source.list}(${args.join(", ")}) {
      totalCount totalCountIsEstimate pageInfo { hasNextPage endCursor } nodes ${this.selection(view)} }`;
    const body = view.source.kind === "CONFIGURATION" ? `configuration { ${page} }` : page;
    return `query(${vars.join(", ")}) { ${body} }`;
  }

  /** The query of one record of `view` (by id or key); as it stood at `$asOf` if `asOf`. */
  oneQuery(view, { asOf = false } = {}) {
    const selection = this.selection(view);
    switch (view.source.kind) {
      case "RECORDS":
        return asOf
          ? `query($key: ID!, $asOf: AsOfInput) { record: ${view.source.one}(id: $key, asOf: $asOf) ${selection} }`
          : `query($key: ID!) { record: ${view.source.one}(id: $key) ${selection} }`;
      case "CONFIGURATION":
        return `query($key: String!) { configuration { record: ${view.source.one}(${view.source.key}: $key) ${selection} } }`;
      default:
        return `query { configuration { record: ${view.source.one} ${selection} } }`;
    }
  }

  /** The mutation `name` with its input, answering the record of `view` and user errors. */
  mutation(view, name) {
    const def = this.schema.mutationField(name);
    if (!def) return null;
    const input = def.args.find((a) => a.name === "input");
    const payload = named(def.type);
    // the record the payload answers (a list of them, a payment's invoices, is not the one).
    const recordField = (this.schema.types.get(payload).fields || []).find(
      (f) => named(f.type) === view.typeName && !isList(f.type),
    );
    const record = recordField ? `record: ${recordField.name} ${this.selection(view)}` : "";
    return {
      input: input ? named(input.type) : null,
      text: `mutation($input: ${input ? named(input.type) : "String"}!) {
        result: ${name}(input: $input) { ${record} userErrors { field message code } } }`,
    };
  }
}

function render(tree) {
  const parts = [];
  for (const [name, sub] of tree) {
    if (sub === true) parts.push(name);
    else if (sub instanceof Map) parts.push(`${name} ${render(sub)}`);
    else if (sub === "__typename") parts.push(`${name} { __typename }`);
    else parts.push(`${name} ${sub}`);
  }
  return `{ ${parts.join(" ")} }`;
}
