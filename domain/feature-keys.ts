// Feature keys in branch names and PR titles: Jira-style ABC-123 and GitHub-style #42, standing
// alone (not inside a longer word), deduplicated, in order of appearance.
export function featureKeys(text: string): string[] {
  const keys = new Set<string>();
  for (const match of text.matchAll(/(?<![A-Za-z0-9&])(?:[A-Z]{2,10}-\d+|#\d+)(?![A-Za-z0-9])/g)) keys.add(match[0]);
  return [...keys];
}
