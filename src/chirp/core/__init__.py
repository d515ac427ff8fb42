"""Cross-cutting pieces every bounded context uses: ids, errors, logging, HTTP plumbing."""
