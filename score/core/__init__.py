"""The sans-I/O core of Score.

Everything that decides what happens lives here, as pure functions and frozen data:
event types, the replay fold, clock arithmetic on an explicit `now`, command
validation, and the wire format. Nothing in this package reads a clock, touches a
file or opens a socket, so it is tested with plain synchronous tests.
"""
