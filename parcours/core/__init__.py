"""What every layer shares and nothing else: the error type meant for users, month arithmetic,
and the write-to-a-temporary-name-then-rename helper.

Imports: the standard library only.
"""
