/**
 * The jobs of the external orbs the pipeline pins, with their parameters, as published at those versions: the
 * registry cannot be asked offline, so a job or parameter typo, a missing required parameter or a value outside
 * an enum (vcs_type: << pipeline.project.type >> yields "circleci" on GitHub App and GitLab projects) is caught
 * against this model. Read from the orbs' sources: CircleCI-Public/orb-tools-orb tag v12.4.0
 * (9c6ecbd91a8ec2c83ddb099b39f6662ca7cf67ef) and CircleCI-Public/shellcheck-orb tag v3.4.0
 * (4f222173cd30f20e4dde437c3ac316ce323de87a), src/jobs/*.yml.
 */
export interface ExternalJob {
  parameters: string[]
  /** Parameters without a default. */
  required: string[]
  enums: Record<string, string[]>
}

export const EXTERNAL_ORB_JOBS: Record<string, Record<string, ExternalJob>> = {
  'circleci/orb-tools@12.4.0': {
    lint: {
      parameters: ['source_dir', 'checkout', 'executor', 'circleci_ip_ranges', 'pip_break'],
      required: [],
      enums: {},
    },
    pack: {
      parameters: ['source_dir', 'orb_dir', 'orb_file_name', 'circleci_api_host', 'persist_to_workspace', 'checkout', 'executor', 'org_id', 'org_slug', 'circleci_ip_ranges'],
      required: [],
      enums: {},
    },
    review: {
      parameters: ['exclude', 'source_dir', 'orb_name', 'max_command_length', 'checkout', 'executor', 'circleci_ip_ranges'],
      required: [],
      enums: {},
    },
    continue: {
      parameters: ['pipeline_number', 'vcs_type', 'config_path', 'orb_dir', 'orb_file_name', 'orb_name', 'inject_orb', 'circleci_api_host', 'circleci_app_host', 'attach_workspace', 'checkout', 'executor', 'circleci_ip_ranges'],
      required: ['pipeline_number', 'vcs_type', 'orb_name'],
      enums: {vcs_type: ['gh', 'github', 'bb', 'bitbucket']},
    },
    publish: {
      parameters: ['orb_name', 'orb_dir', 'orb_file_name', 'tag_pattern', 'dev_tags', 'circleci_token', 'vcs_type', 'github_token', 'enable_pr_comment', 'circleci_api_host', 'pr_comment_graphql_url', 'pub_type', 'checkout', 'executor', 'circleci_ip_ranges', 'attach_workspace', 'release_environment'],
      required: ['orb_name', 'vcs_type'],
      enums: {vcs_type: ['gh', 'github', 'bb', 'bitbucket'], pub_type: ['dev', 'production']},
    },
  },
  'circleci/shellcheck@3.4.0': {
    check: {
      parameters: ['exclude', 'external_sources', 'dir', 'ignore-dirs', 'severity', 'format', 'output', 'image-name', 'image-tag', 'resource_class', 'shell', 'pattern', 'circleci_ip_ranges'],
      required: [],
      enums: {severity: ['error', 'warning', 'info', 'style'], format: ['tty', 'gcc', 'checkstyle', 'diff', 'json1', 'json', 'quiet'], resource_class: ['small', 'medium', 'medium+', 'large', 'xlarge', '2xlarge', '2xlarge+', 'arm.medium', 'arm.large', 'arm.xlarge', 'arm.2xlarge']},
    },
  },
}
