// `{{ name }}` placeholders, as configuration and job definitions write them: a service's deploy
// parameters, the artifact service and version a job registers. A name that is not among the
// values stays as written, so a typo shows in the result instead of vanishing.

export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) =>
    Object.hasOwn(values, key) ? values[key]! : whole,
  );
}
