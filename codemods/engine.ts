import { Project, type SourceFile } from 'ts-morph';
import type { Answers } from './answers.ts';
import { Tree } from './tree.ts';

export type RenderOptions = {
  /** owner/name of the template repository and the exact commit rendered, for .template/lock.json. */
  templateRepository: string;
  templateCommit: string;
  /** Delete the template-only bootstrap and setup workflows (the local CLI does; the GitHub
   * workflow cannot: its token may not change workflow files, see decision 0011). */
  deleteTemplateWorkflows: boolean;
};

export type CodemodContext = {
  tree: Tree;
  answers: Answers;
  options: RenderOptions;
  /** The file as a ts-morph source file; edits are written back to the tree after every codemod. */
  sourceFile(path: string): SourceFile;
};

export type Codemod = {
  name: string;
  describe(answers: Answers): string;
  run(context: CodemodContext): void;
};

export type Progress = (event: {
  codemod: string;
  step: number;
  of: number;
  detail: string;
}) => void;

// Runs the codemods in order against one in-memory view of the project (a Tree and one ts-morph
// Project). Nothing touches the disk here: the caller commits the tree when every codemod passed.
export function renderInMemory(
  root: string,
  answers: Answers,
  options: RenderOptions,
  codemods: Codemod[],
  onProgress: Progress = () => {},
) {
  const tree = new Tree(root);
  const { sourceFile, sync } = sourceFiles(tree);
  const context: CodemodContext = { tree, answers, options, sourceFile };
  codemods.forEach((codemod, i) => {
    onProgress({
      codemod: codemod.name,
      step: i + 1,
      of: codemods.length,
      detail: codemod.describe(answers),
    });
    codemod.run(context);
    sync();
  });
  return tree;
}

/** TypeScript files of a tree as ts-morph source files, kept in memory; `sync()` writes the edited
 * ones back into the tree (unless the tree deleted them). */
export function sourceFiles(tree: Tree) {
  const project = new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true });
  return {
    sourceFile(path: string): SourceFile {
      return (
        project.getSourceFile(`/${path}`) ??
        project.createSourceFile(`/${path}`, tree.require(path))
      );
    },
    sync() {
      for (const file of project.getSourceFiles()) {
        const path = file.getFilePath().slice(1);
        if (!tree.exists(path)) project.removeSourceFile(file);
        else if (tree.read(path) !== file.getFullText()) tree.write(path, file.getFullText());
      }
    },
  };
}
