import {InputFileError} from './errors.js'

/**
 * A file the user named (--teams, --budgets) that cannot be read, said in words rather than errno codes, with
 * the fix that fits the reason: a wrong path, a folder given for a file, or a permission (where "check the path"
 * would send the user looking in the wrong place).
 */
export function unreadableFileError(code: string, what: string, path: string, flag: string, error: NodeJS.ErrnoException): InputFileError {
  switch (error.code) {
    case 'ENOENT':
      return new InputFileError(code, `${what} ${path} does not exist: check the ${flag} path.`)
    case 'EISDIR':
      return new InputFileError(code, `${what} ${path} is a folder: give ${flag} the file itself.`)
    case 'EACCES':
    case 'EPERM':
      return new InputFileError(code, `${what} ${path} cannot be read (permission denied): make it readable by the user running cci-usage, or give ${flag} a copy it can read.`)
    default:
      return new InputFileError(code, `${what} ${path} cannot be read (${error.code ?? error.message}): check the ${flag} path.`)
  }
}
