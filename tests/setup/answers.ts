import type { Answers } from '../../codemods/answers.ts';

// Answer sets used by the codemod tests and the matrix.
export const baseAnswers: Answers = {
  name: 'Acme Portal',
  slug: 'acme-portal',
  description: 'The portal for Acme customers.',
  organization: 'Acme Inc',
  contactEmail: 'ops@acme.example',
  languages: ['en', 'es'],
  defaultLanguage: 'en',
  features: [],
  domain: 'portal.acme.example',
  repository: 'acme/portal',
};

export const renderOptions = {
  templateRepository: 'groundwork-dev/groundwork',
  templateCommit: '0123456789abcdef0123456789abcdef01234567',
  deleteTemplateWorkflows: false,
};
