"""ecogov.alerts — alerts raised by the detection rules, with their evidence and lifecycle.

An alert is raised once per condition: while the condition lasts, later evaluations update the
same alert (open → ongoing); when it ends the alert is cleared. Scoped by principal.
"""
