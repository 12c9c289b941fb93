//! Who may read what: the sign-in, sessions, read tokens, tenants and CSRF,
//! against `faasight up` over real data of two tenants.

use super::common::{add_user, faasight_ok, get_json, hidden_field, set_cookie, ClickHouse, Stack};
use serde_json::Value;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The months of a bill document (totals and lines), as text to compare.
fn bill_total(bill: &Value) -> String {
    let months = bill["months"].as_array().expect("a bill has months");
    assert!(!months.is_empty(), "{bill}");
    bill["months"].to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_and_api_need_a_user_and_show_only_their_tenants() {
    let ch = ClickHouse::start().await;
    for (tenant, seed) in [("default", "1"), ("other", "2")] {
        faasight_ok(&[
            "demo-data",
            "--invocations",
            "3000",
            "--seed",
            seed,
            "--tenant",
            tenant,
            "--clickhouse-url",
            &ch.url(),
        ]);
    }
    let Stack {
        ch: _ch,
        up,
        api,
        login,
        data_dir,
        ..
    } = Stack::over(ch, &[], &[]).await;
    let web = up.web.clone();
    let anonymous = no_redirects();

    // Anonymous: the API answers 401 (saying how to authenticate), pages
    // send the browser to the sign-in form, which comes back afterwards.
    for path in ["/api/v1/bill", "/api/v1", "/api/get_overview123"] {
        let r = anonymous.get(format!("{web}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"faasight\"");
        let body: Value = r.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("Bearer"), "{body}");
    }
    for path in ["/", "/cold-starts", "/rightsizing?tenant=other"] {
        let r = anonymous.get(format!("{web}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        let to = r.headers()["location"].to_str().unwrap();
        assert!(to.starts_with("/login?next=%2F"), "{path} → {to}");
    }
    let r = anonymous.get(format!("{web}/login")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // A token that is not one, or another scheme, is refused as such.
    for auth in ["Bearer fst_00", "Basic dGVzdGVyOng="] {
        let r = anonymous
            .get(format!("{web}/api/v1/bill"))
            .header("authorization", auth)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{auth}");
    }

    // A read token reads its user's tenant, by default and by name, and
    // nothing else: the other tenant's bill is refused, not empty.
    let own = get_json(&api, format!("{web}/api/v1/bill?days=30")).await;
    let named = api
        .get(format!("{web}/api/v1/bill?days=30&tenant=default"))
        .send()
        .await
        .unwrap();
    assert_eq!(named.status(), 200);
    assert_eq!(bill_total(&named.json().await.unwrap()), bill_total(&own));
    let r = api
        .get(format!("{web}/api/v1/bill?days=30&tenant=other"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["error"], "user \"tester\" may not read tenant \"other\"",
        "{body}"
    );

    // A user added while the server runs can sign in at once, and reads
    // their tenant (a different bill) but not tester's.
    let bob = add_user(&data_dir, "bob", &["other"]);
    let bob_api = bob.api_client();
    let theirs = get_json(&bob_api, format!("{web}/api/v1/bill?days=30")).await;
    assert_ne!(bill_total(&theirs), bill_total(&own));
    let r = bob_api
        .get(format!("{web}/api/v1/bill?tenant=default"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // The sign-in form: a wrong password and a form without its CSRF
    // cookie are refused; the session cookie is HttpOnly and SameSite.
    let form = anonymous.get(format!("{web}/login")).send().await.unwrap();
    let login_cookie = set_cookie(&form, "faasight_login_csrf").unwrap();
    let csrf = hidden_field(&form.text().await.unwrap(), "csrf");
    let attempt = |password: &'static str, cookie: Option<String>| {
        let mut req = anonymous.post(format!("{web}/login")).form(&[
            ("user", "tester"),
            ("password", password),
            ("csrf", csrf.as_str()),
        ]);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    let wrong = attempt("not the password", Some(login_cookie.clone()))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("Wrong user or password"));
    let forged = attempt("not the password", None).await.unwrap();
    assert_eq!(forged.status(), 403);
    let signed_in = anonymous
        .post(format!("{web}/login"))
        .header("cookie", login_cookie)
        .form(&[
            ("user", login.user.as_str()),
            ("password", login.password.as_str()),
            ("csrf", csrf.as_str()),
            ("next", "/cold-starts"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/cold-starts");
    let set = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("faasight_session="))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let session = set.split(';').next().unwrap().to_string();

    // The session reads pages and the API of its tenant; another tenant's
    // page shows the refusal, not its numbers.
    let page = |path: &str| {
        anonymous
            .get(format!("{web}{path}"))
            .header("cookie", session.clone())
            .send()
    };
    let overview = page("/").await.unwrap();
    assert_eq!(overview.status(), 200);
    let overview = overview.text().await.unwrap();
    assert!(overview.contains(r#"id="total-invocations""#), "{overview}");
    let foreign = page("/?tenant=other").await.unwrap().text().await.unwrap();
    assert!(!foreign.contains(r#"id="total-invocations""#));
    assert!(foreign.contains("may not read tenant"), "{foreign}");
    let r = page("/api/v1/bill?days=30").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(bill_total(&r.json().await.unwrap()), bill_total(&own));

    // State-changing requests of a session need its CSRF token.
    let post = |path: &str, csrf: Option<&str>| {
        let mut req = anonymous
            .post(format!("{web}{path}"))
            .header("cookie", session.clone());
        if let Some(t) = csrf {
            req = req.header("x-csrf-token", t);
        }
        req.send()
    };
    let r = post("/api/v1/bill", None).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("CSRF"));
    let session_csrf = hidden_field(&overview, "csrf");
    let r = post("/api/v1/bill", Some(&session_csrf)).await.unwrap();
    assert_eq!(r.status(), 405, "with the token the request gets through");
    let r = anonymous
        .post(format!("{web}/logout"))
        .header("cookie", session.clone())
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "sign-out without the token");
    assert_eq!(page("/").await.unwrap().status(), 200, "still signed in");
    let r = anonymous
        .post(format!("{web}/logout"))
        .header("cookie", session.clone())
        .form(&[("csrf", session_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(page("/").await.unwrap().status(), 303, "the session ended");

    // Removing a user ends their access at the next request.
    faasight_ok(&[
        "user",
        "remove",
        "bob",
        "--data-dir",
        data_dir.to_str().unwrap(),
    ]);
    let r = bob_api
        .get(format!("{web}/api/v1/bill"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(up.stop().await.success());
}
