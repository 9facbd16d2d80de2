"""The FAQ: the Markdown files and their checker, the index and matcher, and the editors' tools
(evaluation, gaps grouping, import and export). No Flask and no database here.
"""
