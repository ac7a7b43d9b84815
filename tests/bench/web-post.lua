-- SPDX-License-Identifier: LGPL-2.1-or-later
--
-- wrk script of tests/bench/web.sh: POST /forgot as the form does, with
-- its CSRF value as cookie and field (CSRF: one value fetched before the
-- run; it stays valid until sesame-web restarts) and a login name from
-- the pattern LOGIN ("member%04d", "nobody%04d": the next of 5000 for
-- each request).
local csrf = os.getenv("CSRF")
local pattern = os.getenv("LOGIN")
local headers = {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["Cookie"] = "sesame_csrf=" .. csrf,
}
local n = 0

function init(args)
        -- the threads start at different names
        n = math.random(0, 4999)
end

function request()
        n = (n + 1) % 5000
        local body = "csrf=" .. csrf .. "&login=" .. string.format(pattern, n)
        return wrk.format("POST", "/forgot", headers, body)
end

-- the answers by status, printed at the end ("# statuses: 200 x, 503 y")
local threads = {}

function setup(thread)
        table.insert(threads, thread)
end

statuses = {}

function response(status, headers, body)
        statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
        local all = {}
        for _, t in ipairs(threads) do
                for s, c in pairs(t:get("statuses")) do
                        all[s] = (all[s] or 0) + c
                end
        end
        local keys, out = {}, {}
        for s in pairs(all) do
                table.insert(keys, s)
        end
        table.sort(keys)
        for _, s in ipairs(keys) do
                table.insert(out, s .. " " .. all[s])
        end
        io.write("# statuses: " .. table.concat(out, ", ") .. "\n")
end
