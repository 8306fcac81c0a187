//! The outbox's sender against a real SMTP listener on the loopback (a small server written
//! here that speaks the SMTP dialogue and keeps every message it accepts): two senders on one
//! database deliver each message once; a server that refuses gets the message again after the
//! back-off (the clock moved, not slept); without SMTP_URL the messages are files in MAIL_DIR.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use employees::{
    clock::Clock,
    config::MailTarget,
    db::Db,
    dispatch,
    service::mail::{FIRST_BACKOFF_SECS, Mailer, Sender},
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::Notify,
};

use crate::{
    api::password_reset::{count, link_for},
    common::*,
};

/// An SMTP server on 127.0.0.1: it refuses the first `refuse` transactions (`451` to `MAIL`),
/// then accepts every message and keeps its text.
#[derive(Clone)]
struct Catcher {
    port: u16,
    messages: Arc<Mutex<Vec<String>>>,
    refuse: Arc<AtomicUsize>,
}

impl Catcher {
    async fn start(refuse: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let catcher = Self {
            port: listener.local_addr().unwrap().port(),
            messages: Arc::default(),
            refuse: Arc::new(AtomicUsize::new(refuse)),
        };
        let serving = catcher.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let catcher = serving.clone();
                tokio::spawn(async move { catcher.converse(stream).await });
            }
        });
        catcher
    }

    async fn converse(&self, stream: tokio::net::TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        let _ = write.write_all(b"220 catcher ESMTP\r\n").await;
        while let Ok(Some(line)) = lines.next_line().await {
            let verb = line
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            let answer: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 catcher\r\n",
                "MAIL" => {
                    let refused = self
                        .refuse
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if refused {
                        b"451 4.3.0 try again later\r\n"
                    } else {
                        b"250 OK\r\n"
                    }
                }
                "DATA" => {
                    let _ = write.write_all(b"354 go on\r\n").await;
                    let mut text = String::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        if line == "." {
                            break;
                        }
                        text.push_str(&line);
                        text.push('\n');
                    }
                    self.messages.lock().unwrap().push(text);
                    b"250 OK queued\r\n"
                }
                "QUIT" => {
                    let _ = write.write_all(b"221 bye\r\n").await;
                    return;
                }
                _ => b"250 OK\r\n",
            };
            if write.write_all(answer).await.is_err() {
                return;
            }
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }
}

fn sender(db: &Db, clock: &Clock, target: &MailTarget) -> Sender {
    Sender::new(
        db.clone(),
        clock.clone(),
        Mailer::new(target).expect("a transport"),
        "Employees <no-reply@example.com>".parse().unwrap(),
        Arc::new(Notify::new()),
    )
}

async fn queue(db: &Db, messages: usize) {
    for n in 0..messages {
        dispatch!(db, pool => {
            sqlx::query(
                "INSERT INTO mail_outbox (recipient, subject, body, created_at, next_attempt_at) \
                 VALUES (?, 'Test', ?, 0, 0)",
            )
            .bind(format!("person{n}@example.com"))
            .bind(format!("message number {n}"))
            .execute(pool)
            .await
            .unwrap();
        });
    }
}

async fn two_senders_deliver_each_message_once(db: Db) {
    let catcher = Catcher::start(0).await;
    let clock = Clock::system();
    let target = MailTarget::Smtp(catcher.url().into());
    let (first, second) = (sender(&db, &clock, &target), sender(&db, &clock, &target));
    queue(&db, 12).await;
    let mut sent = 0;
    for _ in 0..3 {
        let (a, b) = tokio::join!(first.deliver_due(), second.deliver_due());
        sent += a.unwrap().sent + b.unwrap().sent;
    }
    assert_eq!(sent, 12);
    let messages = catcher.messages();
    assert_eq!(messages.len(), 12, "each message once");
    for n in 0..12 {
        let body = format!("message number {n}\n");
        let copies = messages.iter().filter(|m| m.contains(&body)).count();
        assert_eq!(copies, 1, "message {n}");
    }
    let unsent = count(
        &db,
        "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL",
    )
    .await;
    assert_eq!(unsent, 0);
    let kept = count(&db, "SELECT COUNT(*) FROM mail_outbox WHERE body <> ''").await;
    assert_eq!(kept, 0, "a sent message keeps no body");
}
dual_test!(two_senders, two_senders_deliver_each_message_once);

async fn a_refused_message_is_sent_again_after_the_backoff(db: Db) {
    seeded(&db).await;
    let catcher = Catcher::start(2).await;
    let clock = Clock::system();
    let app = employees::app(
        wired(
            &db,
            Wiring {
                clock: clock.clone(),
                ..wiring()
            },
        )
        .await,
    );
    let token = link_for(&app, &db, PRANAV).await;
    let sender = sender(&db, &clock, &MailTarget::Smtp(catcher.url().into()));
    assert_eq!(sender.deliver_due().await.unwrap().failed, 1);
    assert_eq!(
        sender.deliver_due().await.unwrap().sent,
        0,
        "not before its back-off"
    );
    clock.advance(FIRST_BACKOFF_SECS);
    assert_eq!(
        sender.deliver_due().await.unwrap().failed,
        1,
        "refused again"
    );
    clock.advance(FIRST_BACKOFF_SECS);
    assert_eq!(
        sender.deliver_due().await.unwrap().sent,
        0,
        "the back-off doubled"
    );
    clock.advance(FIRST_BACKOFF_SECS);
    assert_eq!(sender.deliver_due().await.unwrap().sent, 1);
    let messages = catcher.messages();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains(&token), "the link arrives whole");
    assert!(
        messages[0].contains(&format!("To: {PRANAV}")),
        "{}",
        messages[0]
    );
    let attempts = count(&db, "SELECT attempts FROM mail_outbox").await;
    assert_eq!(attempts, 2);
}
dual_test!(retries, a_refused_message_is_sent_again_after_the_backoff);

async fn without_smtp_messages_are_files_in_mail_dir(db: Db) {
    seeded(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let mail_dir = dir.path().join("mail");
    // A long PUBLIC_URL: the link's line is longer than quoted-printable's 76 characters.
    let issuer = "https://employees.intranet.example.com/identity/and/access";
    let wiring = Wiring {
        issuer: issuer.to_owned(),
        ..wiring()
    };
    let app = employees::app(wired(&db, wiring).await);
    let token = link_for(&app, &db, PRANAV).await;
    let clock = Clock::system();
    let sender = sender(&db, &clock, &MailTarget::Files(mail_dir.clone()));
    assert!(sender.describe().contains(&mail_dir.display().to_string()));
    assert_eq!(sender.deliver_due().await.unwrap().sent, 1);
    let files: Vec<_> = std::fs::read_dir(&mail_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        text.contains("Subject: Reset your Employees password"),
        "{text}"
    );
    let link = format!("{issuer}/password-reset/{token}");
    assert!(
        text.contains(&link),
        "the link is whole in the file: {text}"
    );
    assert_eq!(sender.deliver_due().await.unwrap().sent, 0, "sent once");
    // The poll of a sender left running picks a new message up too.
    let running = sender;
    let task = tokio::spawn(running.run_forever(Duration::from_millis(50)));
    link_for(&app, &db, BEHAI).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while std::fs::read_dir(&mail_dir).unwrap().count() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the second message was written"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
}
dual_test!(file_transport, without_smtp_messages_are_files_in_mail_dir);
