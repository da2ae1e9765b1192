a = "€" /* ünïcödé */ # mlguard:ignore DT001 -- ok
b = 1 # mlguard:ignore é -- not an id
