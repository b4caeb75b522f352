#!/usr/bin/env python3
# Replica lag under load, on demand (not in CI): a primary and a hot standby of our own (made with
# pg_basebackup -R), `erp serve --replica`, 8 clients creating partners for 20 s through GraphQL
# while the standby's lag behind the primary is sampled every 0.2 s. Prints one JSON line:
# mutations/s, latency p50/p99, and the lag in bytes and seconds (median, max). "STALE" lines
# would be payloads that did not show their record (read-your-writes broken).
#
#   cargo build --release -p api && sudo python3 bench/replica-lag.py     (runs as root: the
#   clusters run as the postgres user; ERP_BIN=path/to/erp to use another build)
import json, os, shutil, subprocess, tempfile, threading, time, urllib.request, statistics
BIN="/usr/lib/postgresql/15/bin"
ERP=os.environ.get("ERP_BIN","target/release/erp")
D=tempfile.mkdtemp(prefix="erp-replica-lag-")
os.chmod(D,0o755)
PP, SP, HP = 55011, 55012, 18111
env=dict(os.environ, ERP_DATA_DIR=D+"/primary", ERP_PG_PORT=str(PP), ERP_ADMIN_PASSWORD="admin-pass-123", ERP_MASTER_PASSWORD="master-pass-123", RUST_LOG="warn")
subprocess.run([ERP,"migrate"],env=env,check=True,capture_output=True)
pw=open(D+"/primary/pg-password").read().strip()
os.makedirs(D+"/standby",exist_ok=True); subprocess.run(["chown","-R","postgres:postgres",D+"/standby"],check=True)
subprocess.run(["runuser","-u","postgres","--",BIN+"/pg_basebackup","-d",f"host=127.0.0.1 port={PP} user=erp password={pw}","-D",D+"/standby/pgdata","-R","-X","stream","-c","fast"],check=True)
subprocess.run(["runuser","-u","postgres","--",BIN+"/pg_ctl","start","-D",D+"/standby/pgdata","-l",D+"/standby/log","-w","-o",f"-c listen_addresses=127.0.0.1 -c port={SP} -c unix_socket_directories={D}/standby/pgdata"],check=True,capture_output=True)
purl=f"postgres://erp:{pw}@127.0.0.1:{PP}/erp"; surl=f"postgres://erp:{pw}@127.0.0.1:{SP}/erp"
srv=subprocess.Popen([ERP,"serve","--listen",f"127.0.0.1:{HP}","--replica",surl],env=dict(env,DATABASE_URL=purl),stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
def post(q,v,tok=""):
    r=urllib.request.Request(f"http://127.0.0.1:{HP}/graphql",json.dumps({"query":q,"variables":v}).encode(),{"content-type":"application/json","authorization":("Bearer "+tok) if tok else ""})
    return json.load(urllib.request.urlopen(r,timeout=30))
for _ in range(100):
    try:
        tok=post('mutation($p:String!){login(input:{login:"admin",password:$p}){token}}',{"p":"admin-pass-123"})["data"]["login"]["token"]
        if tok: break
    except Exception: time.sleep(0.2)
stop=time.time()+20; done=[0]; lock=threading.Lock(); lat=[]
def client(c):
    n=0
    while time.time()<stop:
        n+=1; t=time.time()
        a=post('mutation($n:String!){createPartner(input:{name:$n}){partner{name}}}',{"n":f"c{c} p{n}"},tok)
        with lock:
            done[0]+=1; lat.append(time.time()-t)
            if a["data"]["createPartner"]["partner"] is None: print("STALE", a)
lags=[]
def sampler():
    while time.time()<stop:
        ins=subprocess.run([BIN+"/psql",purl,"-Atc","select pg_current_wal_insert_lsn()"],capture_output=True,text=True).stdout.strip()
        out=subprocess.run([BIN+"/psql",surl,"-Atc",f"select pg_wal_lsn_diff('{ins}', pg_last_wal_replay_lsn()), extract(epoch from now()-pg_last_xact_replay_timestamp())"],capture_output=True,text=True).stdout.strip()
        if out: b,s=out.split("|"); lags.append((float(b),float(s)))
        time.sleep(0.2)
ts=[threading.Thread(target=client,args=(c,)) for c in range(8)]+[threading.Thread(target=sampler)]
[t.start() for t in ts]; [t.join() for t in ts]
lat.sort()
print(json.dumps({"mutations_per_s":done[0]/20,"p50_ms":1000*lat[len(lat)//2],"p99_ms":1000*lat[int(len(lat)*0.99)],
  "lag_bytes_median":statistics.median(b for b,_ in lags),"lag_bytes_max":max(b for b,_ in lags),
  "lag_s_median":statistics.median(s for _,s in lags),"lag_s_max":max(s for _,s in lags),"samples":len(lags)}))
srv.kill()
subprocess.run(["runuser","-u","postgres","--",BIN+"/pg_ctl","stop","-D",D+"/standby/pgdata","-m","immediate"],capture_output=True)
subprocess.run([ERP,"stop-postgres"],env=env,capture_output=True)
subprocess.run(["runuser","-u","postgres","--",BIN+"/pg_ctl","stop","-D",D+"/primary/pgdata","-m","fast"],capture_output=True)
shutil.rmtree(D,ignore_errors=True)
