import protobuf from 'protobufjs';

/** The deepest nesting of message types declared inside message types (a top-level message is 1). */
export function declarationDepth(root: protobuf.Root): number {
  let deepest = 0;
  const pending: Array<[protobuf.ReflectionObject, number]> = [[root, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [object, depth] = next;
    const here = object instanceof protobuf.Type ? depth + 1 : depth;
    if (here > deepest) deepest = here;
    if (object instanceof protobuf.Namespace) {
      for (const nested of object.nestedArray) pending.push([nested, here]);
    }
  }
  return deepest;
}

/**
 * The longest chain of message-typed fields from `start` (`start` alone is 1). Recursive messages
 * are allowed: the types of one cycle count as one level. Strongly connected components are found
 * with an iterative Tarjan walk, so neither the walk nor a schema of thousands of messages can
 * overflow the stack.
 */
export function referenceDepth(start: protobuf.Type): number {
  const index = new Map<protobuf.Type, number>();
  const low = new Map<protobuf.Type, number>();
  const component = new Map<protobuf.Type, number>();
  const componentDepth: number[] = [];
  const stack: protobuf.Type[] = [];
  const onStack = new Set<protobuf.Type>();
  const frames: Array<{ type: protobuf.Type; children: protobuf.Type[]; next: number }> = [];

  const enter = (type: protobuf.Type): void => {
    index.set(type, index.size);
    low.set(type, index.size - 1);
    stack.push(type);
    onStack.add(type);
    frames.push({ type, children: messageFieldTypes(type), next: 0 });
  };
  const lower = (type: protobuf.Type, to: number): void => {
    low.set(type, Math.min(low.get(type) ?? to, to));
  };

  enter(start);
  for (let frame = frames.at(-1); frame !== undefined; frame = frames.at(-1)) {
    const child = frame.children[frame.next++];
    if (child !== undefined) {
      if (!index.has(child)) enter(child);
      else if (onStack.has(child)) lower(frame.type, index.get(child) ?? 0);
      continue;
    }
    frames.pop();
    if (low.get(frame.type) === index.get(frame.type)) {
      const id = componentDepth.length;
      const members: protobuf.Type[] = [];
      for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
        onStack.delete(member);
        component.set(member, id);
        members.push(member);
        if (member === frame.type) break;
      }
      // Every type a member reaches outside the component was finished before it.
      let below = 0;
      for (const member of members) {
        for (const reached of messageFieldTypes(member)) {
          const other = component.get(reached);
          if (other !== undefined && other !== id)
            below = Math.max(below, componentDepth[other] ?? 0);
        }
      }
      componentDepth.push(below + 1);
    }
    const parent = frames.at(-1);
    if (parent !== undefined) lower(parent.type, low.get(frame.type) ?? 0);
  }
  return componentDepth[component.get(start) ?? 0] ?? 0;
}

/** The message types of a type's fields (map values included); needs a resolved root. */
export function messageFieldTypes(type: protobuf.Type): protobuf.Type[] {
  const reached: protobuf.Type[] = [];
  for (const field of type.fieldsArray) {
    if (field.resolvedType instanceof protobuf.Type) reached.push(field.resolvedType);
  }
  return reached;
}
