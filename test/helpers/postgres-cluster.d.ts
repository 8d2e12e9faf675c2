export interface PostgresServer {
  host: string
  port: number
  user: string
  password: string
  database: string
  bin: string
  url(overrides?: Partial<{user: string; password: string; host: string; port: number; database: string; query: string}>): string
  sql(text: string): string
  stop(): Promise<void>
}

export function findPostgresBin(): string | null
export function startPostgres(options?: {settings?: Record<string, string>}): Promise<PostgresServer>
