#!/bin/sh
# cli.sh: nnstep's command line: scripts with arguments, -e, standard input
# as a script, --version and --help, and the exit statuses (0 ok, 1 a Lua
# error, 2 a usage error).
nnstep=${NNSTEP:-$PWD/nnstep}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
result() {  # result NAME COMMAND...: ok when the command succeeds
    name=$1
    shift
    n=$((n + 1))
    if "$@" >"$tmp/out" 2>&1; then echo "ok $n - $name"; else
        echo "not ok $n - $name"
        sed 's/^/# /' "$tmp/out"
    fi
}
status_is() {  # status_is EXPECTED COMMAND...
    expected=$1
    shift
    "$@" </dev/null >/dev/null 2>&1
    [ $? -eq "$expected" ]
}
echo 1..18
echo 'print(select("#", ...) .. " " .. table.concat({...}, " ") .. " " .. arg[0] .. " " .. arg[2])' >"$tmp/args.lua"
result 'a script gets its arguments as ... and arg' \
    sh -c "'$nnstep' '$tmp/args.lua' one two | grep -qx '2 one two $tmp/args.lua two'"
result '-e runs code' sh -c "'$nnstep' -e 'print(6 * 7)' | grep -qx 42"
result 'standard input that is not a terminal is a script' \
    sh -c "echo 'print(nn.version)' | '$nnstep' | grep -qx '[0-9.]*'"
result 'exit status 0 for a script that ends well' status_is 0 "$nnstep" -e 'x = 1'
result 'exit status 1 for a Lua error' status_is 1 "$nnstep" -e 'error("boom")'
result 'exit status 1 for a missing script' status_is 1 "$nnstep" "$tmp/missing.lua"
result 'exit status 2 for an unknown option' status_is 2 "$nnstep" --bogus
result '--version names nnstep and Lua' sh -c "'$nnstep' --version | grep -q '^nnstep .*Lua 5.4'"
cpu_path=$("$nnstep" -e 'io.write(nn.cpu())')
result '--version names the kernel path, as nn.cpu() does' \
    sh -c "'$nnstep' --version | grep -qx 'nnstep .*(Lua 5.4.*), kernels: $cpu_path' && [ -n '$cpu_path' ]"
result '--help shows the usage' sh -c "'$nnstep' --help | grep -q '^usage: nnstep'"
# OpenMP's waiting threads sleep unless the user chose otherwise (main.c)
result 'OMP_WAIT_POLICY unset: nnstep runs with PASSIVE' \
    sh -c "env -u OMP_WAIT_POLICY '$nnstep' -e 'print(os.getenv(\"OMP_WAIT_POLICY\"))' | grep -qx PASSIVE"
result 'OMP_WAIT_POLICY set: the user choice stands' \
    sh -c "OMP_WAIT_POLICY=active '$nnstep' -e 'print(os.getenv(\"OMP_WAIT_POLICY\"))' | grep -qx active"
# help says what the optimizers compute (Keras 3's formulas, optimizer.c)
result "help(nn.optimizers.RMSprop): epsilon inside the root, momentum, centered" \
    sh -c "'$nnstep' -e 'help(nn.optimizers.RMSprop)' | grep -q 'increment = lr g / sqrt(v + epsilon)' &&
           '$nnstep' -e 'help(nn.optimizers.RMSprop)' | grep -q 'mom = momentum mom + increment'"
result "help(nn.optimizers.Adam): epsilon outside the root" \
    sh -c "'$nnstep' -e 'help(nn.optimizers.Adam)' | grep -q 'm / (sqrt(v) + epsilon)'"
# compile's help lists the losses and optimizers from the core's tables
result "help('compile') names every loss and optimizer nnstep has" \
    sh -c "out=\$('$nnstep' -e \"help('compile')\" | tr '\\n' ' ') &&
           names=\$('$nnstep' -e 'for k in pairs(nn.losses) do print(k) end
                                  for k in pairs(nn.optimizers) do print(k) end') &&
           test \$(echo \"\$names\" | wc -l) -ge 9 &&
           for n in \$names; do echo \"\$out\" | grep -q \"\$n\" || exit 1; done"
result "help('clipnorm'): the three clippings" \
    sh -c "'$nnstep' -e \"help('clipnorm')\" | grep -c 'clipnorm = c\\|clipvalue = c' | grep -qx 3"
# a lesson that is not there: one line and exit status 1, no traceback
result "--lesson 99: one line, exit 1, no traceback" \
    sh -c "out=\$('$nnstep' --lesson 99 2>&1); test \$? -eq 1 &&
           test \"\$out\" = 'nnstep: lesson: there is no lesson 99 (nnstep --lessons lists them)'"
result "help on each of nn.callbacks, by value and by name" \
    sh -c "'$nnstep' -e 'for _, c in ipairs{\"EarlyStopping\", \"ModelCheckpoint\", \"CSVLogger\", \"ReduceLROnPlateau\", \"LearningRateScheduler\"} do help(nn.callbacks[c]) end' | grep -c '^nn.callbacks.[A-Za-z]*[({]' | grep -qx 5 &&
           '$nnstep' -e \"help('callbacks')\" | grep -q 'm.stop_training = true'"
