"""The embedded default model: the GGUF assembled from PyPI parts and checked by hash
(model_file), and the llama.cpp server process that runs it outside the caller's process
(process, server), and the checks that this machine can run it (checks). The answer layer
reaches it through :mod:`assistant.answer.backends.local_chat`.
"""
