"""`gover mirror`: build, sync and verify a go.dev-shaped tree that any static web server
(or a file share, or a USB stick) can serve to `gover install` (GOVER_MIRROR=URL).

tree.py owns the layout on disk (index.json, staging, the lock); build.py fetches verified
archives into it (build and sync); check.py re-checks it (verify).
"""
