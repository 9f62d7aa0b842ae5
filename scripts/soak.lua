-- wrk load for `make soak`: GETs of the demo's per-user routes, spread over every user.
--
-- usage: wrk ... -s scripts/soak.lua URL -- USERS HOT MODE [START]
--   USERS  users 1...USERS (default 2000)
--   HOT    users 1...HOT get 30% of the requests, as a real API's busiest users do, so purges
--          race with reads in flight (default 50)
--   MODE   "warm": every (user, route) pair in turn, to fill the cache; "load" (default): random
--   START  where the warm walk starts (a pair number), so that instances sharing a cache fill
--          different halves of it first
local routes = { "/dashboard/summary", "/orders?page=1", "/orders?page=2", "/alerts" }
local users, hot, warm = 2000, 50, false
local next_pair = 0
local threads = 0

function setup(thread)
    thread:set("thread_number", threads)
    threads = threads + 1
end

function init(args)
    users = tonumber(args[1]) or users
    hot = math.min(tonumber(args[2]) or hot, users)
    warm = args[3] == "warm"
    local number = thread_number or 0
    math.randomseed(os.time() * 100 + number)
    -- Threads start the warm pass at different places so that together they cover it sooner.
    next_pair = (tonumber(args[4]) or 0) + math.floor(number * users * #routes / 16)
end

function request()
    local user, route
    if warm then
        local pair = next_pair % (users * #routes)
        next_pair = next_pair + 1
        user = math.floor(pair / #routes) + 1
        route = routes[pair % #routes + 1]
    else
        if math.random() < 0.3 then
            user = math.random(1, hot)
        else
            user = math.random(1, users)
        end
        route = routes[math.random(1, #routes)]
    end
    return wrk.format("GET", "/api/users/" .. user .. route)
end
