//! The replicated log against a real three-server NATS cluster on loopback.

use ecomatch_replica::cluster::Cluster;
use ecomatch_replica::{Kind, ReplicaError, Stream, Target};

fn temp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("ecomatch-replica-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn read_all(s: &mut Stream) -> Vec<(u64, Kind, Vec<u8>)> {
    let mut got = Vec::new();
    s.read(1, |seq, kind, p| {
        got.push((seq, kind, p.to_vec()));
        Ok(())
    })
    .expect("read");
    got
}

#[test]
fn appends_are_read_back_in_order_and_a_second_writer_fences_the_first() {
    let dir = temp("fence");
    let cluster = Cluster::start(&dir, 3).expect("a three-server cluster");
    let target = Target::parse(&format!("jetstream://{}/T", cluster.servers()), 0).unwrap();
    assert_eq!(target.replicas, 3);
    let mut a = Stream::open(&target).expect("open");
    assert_eq!(a.last(), 0, "a new stream is empty");
    a.append(&[(Kind::Genesis, b"genesis".to_vec())]).unwrap();
    let batch: Vec<_> = (0..100u32)
        .map(|i| (Kind::Command, i.to_le_bytes().to_vec()))
        .collect();
    a.append(&batch).unwrap();
    assert_eq!(a.last(), 101);

    // A second writer (a standby taking over) reads everything, then extends the stream.
    let mut b = Stream::open(&target).expect("open again");
    let got = read_all(&mut b);
    assert_eq!(got.len(), 101);
    assert_eq!(got[0], (1, Kind::Genesis, b"genesis".to_vec()));
    for (i, (seq, kind, p)) in got[1..].iter().enumerate() {
        assert_eq!((*seq, *kind), (i as u64 + 2, Kind::Command));
        assert_eq!(p, &(i as u32).to_le_bytes());
    }
    b.append(&[(Kind::Command, b"from b".to_vec())]).unwrap();

    // The first writer no longer leads: nothing of its next batch is stored.
    let e = a
        .append(&[
            (Kind::Command, b"from a".to_vec()),
            (Kind::Command, b"and more".to_vec()),
        ])
        .unwrap_err();
    assert!(matches!(e, ReplicaError::Fenced { expected: 101 }), "{e}");
    let got = read_all(&mut b);
    assert_eq!(got.len(), 102);
    assert_eq!(got[101].2, b"from b");
}

#[test]
fn the_log_carries_on_when_a_server_dies_and_keeps_what_it_acknowledged() {
    let dir = temp("loss");
    let mut cluster = Cluster::start(&dir, 3).expect("a three-server cluster");
    let target = Target::parse(&format!("jetstream://{}/L", cluster.servers()), 0).unwrap();
    let mut w = Stream::open(&target).expect("open");
    w.append(&[(Kind::Genesis, Vec::new())]).unwrap();
    let mut acknowledged = Vec::new();
    let mut n = 0u32;
    for round in 0..3 {
        // Kill each server once, appending before and after.
        while acknowledged.len() < 40 * (round + 1) {
            if acknowledged.len() == 40 * round + 20 {
                cluster.kill(round);
            }
            n += 1;
            match w.append(&[(Kind::Command, n.to_le_bytes().to_vec())]) {
                Ok(()) => acknowledged.push(n),
                // The writer waits out the election itself: an append fails only when
                // the cluster stays without a leader for longer than its patience.
                Err(e) => panic!("round {round}: {e}"),
            }
        }
        cluster.restart(round).expect("restart");
        // Let the restarted server catch up before the next one is killed: with two of three
        // servers out of date the stream has no quorum to elect from.
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
    let mut r = Stream::open(&target).expect("open");
    let stored: Vec<u32> = read_all(&mut r)[1..]
        .iter()
        .map(|(_, _, p)| u32::from_le_bytes(p[..4].try_into().unwrap()))
        .collect();
    let mut unique = stored.clone();
    unique.dedup();
    assert_eq!(unique, stored, "a message stored twice");
    for a in &acknowledged {
        assert!(stored.contains(a), "acknowledged {a} was lost");
    }
}
