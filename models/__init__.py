"""The model library: the DSL files (`*.wc`) of the prelude, the per-domain priors, reference
models and well-formedness properties, shipped as package data. No Python code: a program
names a file here with `import NAME` (`dsl.parse.library_path`); `worldcoder.domains` says which
file plays which part for each domain."""
