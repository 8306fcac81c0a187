//! The HTML pages, the stylesheet, Swagger UI and the OpenAPI document.

use axum::http::StatusCode;
use employees::db::Db;

use crate::common::*;

async fn login_page_has_the_form(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let reply = send(&app, get("/login")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let page = reply.text();
    for needle in [
        "<form method=\"post\" action=\"/token\">",
        "name=\"username\"",
        "name=\"password\" type=\"password\"",
        "<button type=\"submit\">",
        "href=\"/docs\"",
        "name=\"viewport\"",
        "name=\"next\" value=\"/\"",
    ] {
        assert!(page.contains(needle), "{needle} in {page}");
    }
    let page = send(&app, get("/login?next=%2Fdocs")).await.text();
    assert!(page.contains("name=\"next\" value=\"/docs\""));
    for evil in [
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
        "%2F%5Cevil",
    ] {
        let page = send(&app, get(&format!("/login?next={evil}"))).await.text();
        assert!(page.contains("name=\"next\" value=\"/\""), "{evil}");
    }
    // A broken query string is ignored rather than failing the page.
    assert_eq!(
        send(&app, get("/login?next=%ZZ&next=a")).await.status,
        StatusCode::OK
    );
    // HTML in the email is escaped when the page is shown again.
    let reply = send(
        &app,
        browser_form("/token", "username=%3Cscript%3Ex%3C%2Fscript%3E&password=x"),
    )
    .await;
    assert!(!reply.text().contains("<script>x"));

    // Already logged in: straight to the home page.
    let token = login(&app, BEHAI).await;
    let reply = send(&app, with_cookie(get("/login"), &token)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), Some("/"));
}
dual_test!(login_page, login_page_has_the_form);

async fn home_page_shows_who_you_are(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let reply = send(&app, get("/")).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), Some("/login"));
    let reply = send(&app, with_cookie(get("/"), "garbage")).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);

    let token = login(&app, BEHAI).await;
    let reply = send(&app, with_cookie(get("/"), &token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let page = reply.text();
    for needle in [
        "Be Hai Nguyen",
        BEHAI,
        "Development",
        "Senior Engineer",
        "action=\"/logout\"",
        "500222",
    ] {
        assert!(page.contains(needle), "{needle} in {page}");
    }
    let css = send(&app, get("/static/style.css")).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
}
dual_test!(home_page, home_page_shows_who_you_are);

async fn swagger_ui_and_openapi_are_served_from_the_binary(db: Db) {
    let app = employees::app(state(db).await);
    let doc = send(&app, get("/openapi.json")).await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc = doc.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let password = &doc["components"]["securitySchemes"]["oauth2"]["flows"]["password"];
    assert_eq!(password["tokenUrl"], "/token");
    // Swagger UI shows one box per scope, with its description.
    let scopes = password["scopes"].as_object().unwrap();
    let mut names: Vec<&str> = scopes.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["admin", "directory", "hr", "manager", "me"]);
    assert!(scopes.values().all(|d| !d.as_str().unwrap().is_empty()));
    for (path, method, statuses) in [
        (
            "/token",
            "post",
            &["200", "303", "400", "413", "415", "503"][..],
        ),
        ("/users/me", "get", &["200", "401", "503"][..]),
        ("/logout", "post", &["204", "303", "401", "503"][..]),
        ("/login", "get", &["200", "303"][..]),
        ("/", "get", &["200", "303", "503"][..]),
        ("/healthz", "get", &["200"][..]),
        ("/readyz", "get", &["200", "503"][..]),
    ] {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} documented");
        for status in statuses {
            assert!(
                operation["responses"][status].is_object(),
                "{method} {path} documents {status}"
            );
        }
    }
    // The limits in front of every route are documented on every operation.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for status in ["431", "503"] {
                assert!(
                    operation["responses"][status].is_object(),
                    "{method} {path} documents {status}"
                );
            }
        }
    }
    assert!(doc["paths"]["/token"]["post"]["responses"]["429"].is_object());
    let next = &doc["paths"]["/login"]["get"]["parameters"][0];
    assert_eq!(
        (&next["name"], &next["in"]),
        (&"next".into(), &"query".into())
    );
    assert_ne!(next["required"], true, "next is optional");
    // Try it out sends no placeholder: the optional token fields have empty examples.
    let fields = &doc["components"]["schemas"]["TokenRequest"]["properties"];
    for field in ["scope", "client_id", "client_secret", "next"] {
        assert_eq!(fields[field]["example"], "", "{field}");
    }
    let body = &doc["paths"]["/token"]["post"]["requestBody"]["content"];
    assert!(body["application/x-www-form-urlencoded"].is_object());
    assert!(body["application/json"].is_object());
    // The code flow with PKCE is a scheme of its own (Swagger UI keeps one authorization per
    // scheme name), accepted wherever the password flow's tokens are.
    let code = &doc["components"]["securitySchemes"]["oauth2_code"]["flows"]["authorizationCode"];
    assert_eq!(code["authorizationUrl"], "/authorize");
    assert_eq!(code["tokenUrl"], "/token");
    assert!(code["scopes"]["openid"].is_string());
    assert_eq!(
        doc["paths"]["/users/me"]["get"]["security"],
        serde_json::json!([{"oauth2": ["me"]}, {"cookie": []}, {"oauth2_code": ["me"]}])
    );
    assert_eq!(
        doc["paths"]["/userinfo"]["get"]["security"],
        serde_json::json!([{"oauth2_code": ["openid"]}])
    );

    let docs = send(&app, get("/docs/")).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.text().contains("swagger-ui"));
    // The UI's assets come from the binary, not from a CDN.
    let bundle = send(&app, get("/docs/swagger-ui-bundle.js")).await;
    assert_eq!(bundle.status, StatusCode::OK);
    assert!(bundle.body.len() > 100_000);
    let init = send(&app, get("/docs/swagger-initializer.js")).await.text();
    assert!(init.contains("/openapi.json"));
    assert!(!docs.text().contains("https://"), "no external assets");
    let missing = send(&app, get("/docs/no-such-asset.js")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["detail"], "Not found");
}
dual_test!(docs, swagger_ui_and_openapi_are_served_from_the_binary);
