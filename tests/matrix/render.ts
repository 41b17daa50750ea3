// Renders the template in a copy with one answer set (the matrix runs it in a child process, so
// that copies render side by side and a hung render can be stopped):
//   node tests/matrix/render.ts <dir> '<answers as JSON>'
import { setUp } from '../../codemods/setup.ts';
import { renderOptions } from '../setup/answers.ts';

const [dir, answers] = process.argv.slice(2);
if (!dir || !answers) throw new Error('usage: node tests/matrix/render.ts <dir> <answers JSON>');
setUp(dir, JSON.parse(answers), renderOptions);
