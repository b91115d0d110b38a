"""The sign-in page is served (the run command's promise)."""


def test_the_login_page_is_served_with_a_csrf_protected_form(client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="csrf_token"' in html and 'name="password"' in html
