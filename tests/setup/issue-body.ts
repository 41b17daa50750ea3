import { parse } from 'yaml';
import { fieldIds } from '../../codemods/form.ts';

export type FormValues = Partial<Record<keyof typeof fieldIds, string | string[]>>;

type FormField = {
  id: string;
  type: string;
  attributes: { label: string; options?: Array<{ label: string }> };
};

/**
 * The body GitHub writes when the form is submitted: "### Label", a blank line, the value; empty
 * inputs and dropdowns as `_No response_` (or `None`), checkboxes as a task list.
 */
export function issueBody(
  formYaml: string,
  values: FormValues,
  { eol = '\n', empty = '_No response_' } = {},
) {
  const fields = (parse(formYaml).body as FormField[]).filter((f) => f.type !== 'markdown');
  return fields
    .map((field) => {
      const key = (Object.keys(fieldIds) as Array<keyof typeof fieldIds>).find(
        (k) => fieldIds[k] === field.id,
      );
      const value = key ? values[key] : undefined;
      let text: string;
      if (field.type === 'checkboxes') {
        const chosen = (value as string[] | undefined) ?? [];
        text = (field.attributes.options ?? [])
          .map((o) => `- [${chosen.includes(o.label) ? 'X' : ' '}] ${o.label}`)
          .join(eol);
      } else if (Array.isArray(value)) text = value.length > 0 ? value.join(', ') : empty;
      else text = value === undefined || value === '' ? empty : value;
      return `### ${field.attributes.label}${eol}${eol}${text}`;
    })
    .join(`${eol}${eol}`);
}
