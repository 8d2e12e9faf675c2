export interface PostgresServer {
  host: string
  port: number
  user: string
  password: string
  database: string
  bin: string
  /** The server's self-signed certificate (PEM), when started with `tls`. */
  certFile?: string
  url(overrides?: Partial<{user: string; password: string; host: string; port: number; database: string; query: string}>): string
  sql(text: string): string
  stop(): Promise<void>
}

export function findPostgresBin(): string | null
export function startPostgres(options?: {settings?: Record<string, string>; tls?: boolean}): Promise<PostgresServer>
