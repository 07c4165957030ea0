"""`gover doctor`: explain a broken Go environment. Each detector module looks at one part of
the machine and returns findings (model.py); run.py runs them for a Scope and collects a
report; the CLI renders it. Nothing here changes the machine, except fixes.py under --fix.
"""
