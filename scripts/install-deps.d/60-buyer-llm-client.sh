#!/usr/bin/env bash
# The official OpenAI npm SDK (as buyer/testdata/llmclient/package-lock.json pins it),
# for the buyer test that uses it as an LLM client with the buyer as its API base.
# Prints the node_modules folder.
. "$(dirname "$0")/../lib.sh"
npm_install_pinned buyer-llm-client buyer/testdata/llmclient --ignore-scripts
