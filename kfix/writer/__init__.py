"""Stage 5, write: patched documents back into their files, every other byte kept.

`text` replaces each patched document's text in its file; `yaml_document` and
`json_text` re-serialise one document (ruamel.yaml's round trip, or JSON in the file's
indent) with `operations` applying RFC 6902 to both the loader's content and ruamel's
tree, `comments` keeping comment lines in place and `splice` keeping every untouched
line as written. Each patched document is read back with the loader and must equal the
patched content, so a quirk of re-serialisation can never change a manifest silently.
`files` writes atomically, in place or into an output directory.
"""
