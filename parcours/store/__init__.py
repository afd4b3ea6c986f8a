"""The operational store and the data folder.

Owns the paths under `$PARCOURS_DATA_DIR` (`datadir`: pure paths, nothing created by a getter),
the secrets kept there, the operational SQLite (`opstore`: centres, batches, mappings,
quarantine, users, audit log, builds), the users and their passwords (`users`) and the role rules
(`roles`: who sees and may do what).

Imports: `parcours.core`, `parcours.contract`. Never the upload path, the warehouse, the analytics
or streamlit.
"""
