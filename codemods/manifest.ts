import { z } from 'zod';

// feature.json in each feature folder: what removing the feature must also remove (decision 0010).
export const featureManifestSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/),
    label: z
      .string()
      .min(1)
      .max(80)
      .refine(
        (label) => !label.includes(','),
        'must not contain commas (the form joins options with ", ")',
      ),
    description: z.string().max(300).default(''),
    removable: z.boolean(),
    paths: z.array(z.string()).default([]),
    localeNamespaces: z.array(z.string()).default([]),
    dependencies: z.array(z.string()).default([]),
    devDependencies: z.array(z.string()).default([]),
    scripts: z.array(z.string()).default([]),
    composeServices: z.array(z.string()).default([]),
  })
  .strict();

export type FeatureManifest = z.infer<typeof featureManifestSchema>;
