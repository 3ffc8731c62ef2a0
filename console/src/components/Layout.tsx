import { NavLink, Outlet } from 'react-router';
import { useAuth } from '../auth/AuthContext';

export function Layout() {
  const { logout } = useAuth();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <span className="brand">Triggers console</span>
          <nav aria-label="Main">
            <ul className="nav">
              <li>
                <NavLink to="/" end>
                  Dashboard
                </NavLink>
              </li>
              <li>
                <NavLink to="/webhooks">Webhooks</NavLink>
              </li>
              <li>
                <NavLink to="/dead-letters">Dead letters</NavLink>
              </li>
            </ul>
          </nav>
          <button type="button" className="logout" onClick={logout}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="container">
        <Outlet />
      </main>
    </>
  );
}
