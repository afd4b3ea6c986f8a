"""The demo: fictional centres and trainees, written in the shapes real exports take, then sent
through the real upload path and build.

Imports: `parcours.upload`, `parcours.warehouse`, `parcours.store`, `parcours.contract`,
`parcours.core`. Never the dashboard or the analytics.
"""
