# lua2c.awk: turn a Lua source file into a C string, so that Lua parts of
# nnstep are compiled into the program: awk -v name=NAME -f lua2c.awk FILE.lua
BEGIN { printf "/* generated from Lua source by lua2c.awk: do not edit */\nconst char %s[] =\n", name }
/\\/ {
    # backslashes would need escaping that awks disagree on: keep them out
    print "lua2c.awk: " FILENAME ":" FNR ": no backslashes, please" > "/dev/stderr"
    exit 1
}
{
    gsub(/"/, "\\\"")
    printf "    \"%s\\n\"\n", $0
}
END { print "    ;" }
