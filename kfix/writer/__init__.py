"""Stage 5, write: patched documents back into their files, every other byte kept.

`text` replaces each patched document's text in its file. A YAML document is patched
as plain text edits at the node positions libyaml gives (`direct`, values written by
`render` in the document's style) where it can be; anything else (flow mappings,
aliases, multi-line values replaced, ...) goes through `yaml_document`, ruamel.yaml's
round trip, with `operations` applying RFC 6902 to both the loader's content and
ruamel's tree, `comments` keeping comment lines in place and `splice` keeping every
untouched line as written; `tally` counts which way each document went. JSON files are
re-serialised in their indent (`json_text`). Each patched document is read back with the
loader and must equal the patched content, so neither way can change a manifest
silently. `files` writes atomically, in place or into an output directory.
"""
