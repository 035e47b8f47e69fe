// `{{ name }}` placeholders, as configuration and job definitions write them: a service's deploy
// parameters, the artifact service and version a job registers. A name that is not among the
// values stays as written, so a typo shows in the result instead of vanishing.

export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) =>
    Object.hasOwn(values, key) ? values[key]! : whole,
  );
}

/** Every field of `templates` rendered; absent fields stay absent. */
export function renderTemplates<T extends Record<string, string | undefined>>(
  templates: T,
  values: Readonly<Record<string, string>>,
): { [K in keyof T]: T[K] extends string ? string : string | undefined } {
  const out: Record<string, string> = {};
  for (const [key, template] of Object.entries(templates))
    if (template !== undefined) out[key] = renderTemplate(template, values);
  return out as { [K in keyof T]: T[K] extends string ? string : string | undefined };
}
