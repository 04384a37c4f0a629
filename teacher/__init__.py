"""The teacher side of the course: the grader, its nbgrader plugins and the answer keys.

Nothing here is imported by the student side (``helpers``, the released notebooks); students'
code never runs in a process that has this package imported.
"""
