/** Nesting depth, object members and array elements of a parsed value, counted from the value itself: an oracle for the pre-scan. */
export function shapeOf(value: unknown): { depth: number; keys: number; items: number } {
  if (Array.isArray(value)) {
    const inner = value.map(shapeOf);
    return {
      depth: 1 + Math.max(0, ...inner.map((s) => s.depth)),
      keys: inner.reduce((sum, s) => sum + s.keys, 0),
      items: value.length + inner.reduce((sum, s) => sum + s.items, 0),
    };
  }
  if (typeof value === 'object' && value !== null) {
    const inner = Object.values(value).map(shapeOf);
    return {
      depth: 1 + Math.max(0, ...inner.map((s) => s.depth)),
      keys: inner.length + inner.reduce((sum, s) => sum + s.keys, 0),
      items: inner.reduce((sum, s) => sum + s.items, 0),
    };
  }
  return { depth: 0, keys: 0, items: 0 };
}

/** Whether a parsed value is within the limits. */
export function withinLimits(
  value: unknown,
  limits: { maxDepth: number; maxObjectKeys: number; maxArrayItems: number },
): boolean {
  const shape = shapeOf(value);
  return shape.depth <= limits.maxDepth && shape.keys <= limits.maxObjectKeys && shape.items <= limits.maxArrayItems;
}
